/**
 * One error shape for every answer that is not a success:
 *   { statusCode, code, message, field? }
 * 4xx messages pass through (they say what to fix; `field` names the offending input); 5xx
 * become a generic message and are logged without request bodies.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { VeilError, isVeilError, veilErrorMessage } from '../shared/errors';
import type { VeilErrorCode } from '../shared/errors';

export const ErrorSchema = Type.Object(
  {
    statusCode: Type.Integer(),
    code: Type.String(),
    message: Type.String(),
    field: Type.Optional(Type.String()),
  },
  { $id: 'Error' },
);

/** Codes only the HTTP surface has (malformed requests), besides VeilError codes. */
export type HttpOnlyCode = 'registry/invalid' | 'registry/invalid-json' | 'registry/too-large' | 'registry/unsupported-media-type';

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: VeilErrorCode | HttpOnlyCode,
    message?: string,
    readonly field?: string,
  ) {
    super(message ?? (code.startsWith('registry/invalid') || code === 'registry/too-large' || code === 'registry/unsupported-media-type' ? 'Bad request.' : veilErrorMessage(code as VeilErrorCode)));
  }
}

const STATUS_BY_CODE: Partial<Record<VeilErrorCode, number>> = {
  'hash/bad-length': 400,
  'hash/bad-hex': 400,
  'hash/low-quality': 400,
  'hash/degenerate': 400,
  'registry/image-data': 415,
  'registry/too-many-hashes': 400,
  'registry/unauthorized': 401,
  'registry/forbidden': 403,
  'registry/not-found': 404,
  'registry/conflict': 409,
  'registry/rate-limited': 429,
};

/** Ajv's instancePath (/hashes/3/quality) plus a missing property, as hashes.3.quality. */
function fieldOf(err: FastifyError): string | undefined {
  const v = err.validation?.[0];
  if (!v) return undefined;
  const ctx = err.validationContext ?? 'body';
  const parts = [ctx, ...v.instancePath.split('/').filter(Boolean)];
  const params = v.params as Record<string, unknown>;
  if (typeof params.missingProperty === 'string') parts.push(params.missingProperty);
  if (typeof params.additionalProperty === 'string') parts.push(params.additionalProperty);
  return parts.join('.');
}

export function installErrorHandlers(app: FastifyInstance, bodyLimit: number): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    let status = 500;
    let code = 'internal';
    let message = 'Internal error.';
    let field: string | undefined;
    if (error instanceof HttpError) {
      status = error.statusCode;
      code = error.code;
      message = error.message;
      field = error.field;
    } else if (isVeilError(error)) {
      status = STATUS_BY_CODE[error.code] ?? 500;
      code = error.code;
      if (status < 500) message = error.message;
    } else if (error.validation) {
      status = 400;
      code = 'registry/invalid';
      field = fieldOf(error);
      const v = error.validation[0];
      message = `${field ?? 'request'} ${v.message ?? 'is invalid'}.`;
    } else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      status = 413;
      code = 'registry/too-large';
      message = `The request body is larger than ${bodyLimit} bytes. ${veilErrorMessage('registry/image-data')}`;
      field = 'body';
    } else if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      status = 415;
      code = 'registry/unsupported-media-type';
      message = 'Send JSON (Content-Type: application/json) with hashes only.';
    } else if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || error instanceof SyntaxError) {
      status = 400;
      code = 'registry/invalid-json';
      message = 'The body is not valid JSON.';
      field = 'body';
    } else if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      status = error.statusCode;
      code = error.code ?? 'registry/bad-request';
      message = error.message;
    }
    if (status >= 500) request.log.error({ err: { type: error.name, code: error.code, message: error.message, stack: error.stack } }, 'request failed');
    void reply.status(status).send({ statusCode: status, code, message, ...(field ? { field } : {}) });
  });

  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ statusCode: 404, code: 'registry/not-found', message: 'Not found.' });
  });
}

/** True when a JSON body looks like it carries an image (refused with a clear error). */
export function carriesImageData(body: unknown): boolean {
  const IMAGE_KEYS = /^(image|images|img|photo|photos|picture|file|files|data|bytes|base64|blob|pixels|content|buffer|upload)$/i;
  let budget = 10_000;
  const walk = (v: unknown, depth: number): boolean => {
    if (--budget < 0 || depth > 6) return false;
    if (typeof v === 'string') return v.length > 256 || /^data:/i.test(v);
    if (Array.isArray(v)) return v.some((x) => walk(x, depth + 1));
    if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (IMAGE_KEYS.test(k) && (typeof x === 'string' || (typeof x === 'object' && x !== null))) return true;
        if (walk(x, depth + 1)) return true;
      }
    }
    return false;
  };
  return walk(body, 0);
}

export function imageDataError(): VeilError {
  return new VeilError('registry/image-data');
}
