/**
 * Small typed calls to the registry's JSON API for the CLI, the extension and the bot (list
 * syncing is client.ts). Errors come back as VeilError with the registry's message; only
 * hashes ever leave the caller.
 */
import { VeilError } from '../errors';
import type { ListName } from '../match/types';
import type { CaseStatusResponse, HashJson, MatchResponse, ReportVerdict, SubmissionResponse } from './wire';

export interface RegistryApiOptions {
  baseUrl: string;
  fetch: typeof fetch;
  /** Reporter or reviewer API key, for reports. */
  apiKey?: string;
  timeoutMs?: number;
}

export class RegistryApiError extends VeilError {
  constructor(
    readonly status: number,
    readonly registryCode: string,
    message: string,
    readonly field?: string,
  ) {
    super(status === 401 ? 'registry/unauthorized' : status === 403 ? 'registry/forbidden' : status === 429 ? 'registry/rate-limited' : 'registry/bad-response', message);
  }
}

async function call<T>(o: RegistryApiOptions, method: string, path: string, body?: unknown, bearer?: string): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  let res: Response;
  try {
    res = await o.fetch(o.baseUrl.replace(/\/+$/, '') + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(o.timeoutMs ?? 60_000),
    });
  } catch (cause) {
    throw new VeilError('registry/unreachable', undefined, { cause });
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // fall through: a non-JSON answer is reported below
  }
  if (!res.ok) {
    const e = (json ?? {}) as { code?: string; message?: string; field?: string };
    throw new RegistryApiError(res.status, e.code ?? `http/${res.status}`, `HTTP ${res.status}: ${e.message ?? 'no details'}`, e.field);
  }
  if (json === null) throw new VeilError('registry/bad-response', 'The answer is not JSON.');
  return json as T;
}

export function submitHashes(o: RegistryApiOptions, hashes: HashJson[]): Promise<SubmissionResponse> {
  return call(o, 'POST', '/v1/submissions', { hashes });
}

export function caseStatus(o: RegistryApiOptions, caseId: string, secret: string): Promise<CaseStatusResponse> {
  return call(o, 'GET', `/v1/submissions/${encodeURIComponent(caseId)}`, undefined, secret);
}

export function withdrawCase(o: RegistryApiOptions, caseId: string, secret: string): Promise<CaseStatusResponse> {
  return call(o, 'DELETE', `/v1/submissions/${encodeURIComponent(caseId)}`, undefined, secret);
}

export function reportHashes(o: RegistryApiOptions, verdict: ReportVerdict, hashes: HashJson[]): Promise<{ applied: number; unknown: number }> {
  if (!o.apiKey) throw new VeilError('registry/unauthorized', 'A reporter API key is needed to report.');
  return call(o, 'POST', '/v1/reports', { verdict, hashes }, o.apiKey);
}

export function matchHashes(o: RegistryApiOptions, hashes: HashJson[], lists?: ListName[]): Promise<MatchResponse> {
  return call(o, 'POST', '/v1/match', lists ? { hashes, lists } : { hashes });
}
