import { VeilError, type VeilErrorCode } from '../../shared/errors';
import type {
  CaseStatusResponse,
  HashJson,
  ReportVerdict,
  SubmissionResponse,
} from '../../shared/registry/wire';

/**
 * The registry's JSON API as the extension and the "Protect my photos" page use it: submissions
 * (hashes only), case status and withdrawal, and reports. Host-agnostic (a base URL and a fetch),
 * so the registry's own copy of the protect page uses it unchanged. Only hashes are ever sent.
 */
export class RegistryApi {
  private readonly base: string;

  constructor(
    baseUrl: string,
    private readonly fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis),
  ) {
    this.base = baseUrl.replace(/\/+$/, '');
  }

  submit(hashes: HashJson[]): Promise<SubmissionResponse> {
    return this.call<SubmissionResponse>('POST', '/v1/submissions', { hashes });
  }

  caseStatus(caseId: string, secret: string): Promise<CaseStatusResponse> {
    return this.call<CaseStatusResponse>('GET', `/v1/submissions/${encodeURIComponent(caseId)}`, undefined, secret);
  }

  /** Withdraws the case; the answer is its status afterwards (every photo withdrawn). */
  withdraw(caseId: string, secret: string): Promise<CaseStatusResponse | undefined> {
    return this.call<CaseStatusResponse | undefined>('DELETE', `/v1/submissions/${encodeURIComponent(caseId)}`, undefined, secret);
  }

  /** A reporter's verdict on hashes: `report`, or `dispute` for a false positive (needs a reporter key). */
  async report(verdict: ReportVerdict, hashes: HashJson[], reporterKey: string): Promise<void> {
    await this.call<unknown>('POST', '/v1/reports', { verdict, hashes }, reporterKey);
  }

  /** `secret` is the case secret or a reporter key, sent as a bearer token. */
  private async call<T>(method: string, path: string, body?: unknown, secret?: string): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (secret) headers.authorization = `Bearer ${secret}`;
    let res: Response;
    try {
      res = await this.fetchImpl(this.base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'omit',
        referrerPolicy: 'no-referrer',
      });
    } catch (cause) {
      throw new VeilError('registry/unreachable', undefined, { cause });
    }
    if (!res.ok) throw new VeilError(codeForStatus(res.status), `(HTTP ${res.status})`);
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch (cause) {
      throw new VeilError('registry/bad-response', undefined, { cause });
    }
  }
}

export function codeForStatus(status: number): VeilErrorCode {
  switch (status) {
    case 401:
      return 'registry/unauthorized';
    case 403:
      return 'registry/forbidden';
    case 404:
      return 'registry/not-found';
    case 409:
      return 'registry/conflict';
    case 413:
      return 'registry/too-many-hashes';
    case 429:
      return 'registry/rate-limited';
    default:
      return 'registry/bad-response';
  }
}
