// formBody(): a body sent as an HTML form (application/x-www-form-urlencoded or multipart/form-data) read into
// the same plain object a JSON body gives, so one form class validates all three encodings. The course SPA
// posts its message form as a FormData. Form encodings carry only text: the fields named as integers are
// read as the integer their decimal digits spell ("4" → 4) and left as text otherwise ("4x", " 4", "0x4"), so
// the form names them as invalid, never as missing. JSON is untouched and keeps its strict types.
// Files are stored elsewhere (a form's `file` is a URL): an uploaded file part is refused, naming its field.
import express, { type RequestHandler } from 'express';
import multer from 'multer';
import { toStrictInt } from '../forms/rules';
import { AppError } from '../global/errors';

export interface FormBodyOptions {
  /** The body limit, as express.json's ("64kb"): the urlencoded body in all, and each multipart field. */
  limit: string;
  /** Fields read as integers in the form encodings. */
  integers: readonly string[];
}

/** A form has a handful of fields; anything much larger is not one of ours. */
const MAX_FIELDS = 16;
const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 * 1024 };

function bytesOf(limit: string): number {
  const m = /^(\d+)(b|kb|mb)$/i.exec(limit);
  if (!m?.[1] || !m[2]) throw new Error(`a body limit looks like 64kb, not ${limit}`);
  return Number(m[1]) * (UNITS[m[2].toLowerCase()] ?? 1);
}

function multerError(err: unknown): AppError {
  if (err instanceof multer.MulterError) {
    if (err.code === 'LIMIT_UNEXPECTED_FILE') {
      const field = err.field ?? 'file';
      return new AppError('INVALID_ARGUMENT', '参数错误', {
        fields: { [field]: `${field} 不接受上传的文件，请填写文件的链接` },
        cause: err,
      });
    }
    if (err.code === 'MISSING_FIELD_NAME') return new AppError('INVALID_ARGUMENT', '请求体无法解析', { cause: err });
    return new AppError('PAYLOAD_TOO_LARGE', '请求体过大', { cause: err });
  }
  // busboy's complaints: no boundary, a truncated body, a malformed part.
  return new AppError('INVALID_ARGUMENT', '请求体无法解析', { cause: err });
}

export function formBody({ limit, integers }: FormBodyOptions): RequestHandler[] {
  const maxBytes = bytesOf(limit);
  const urlencoded = express.urlencoded({ extended: false, limit, parameterLimit: MAX_FIELDS });
  const multipart = multer({
    limits: { fields: MAX_FIELDS, parts: MAX_FIELDS, fieldSize: maxBytes, fieldNameSize: 100 },
  }).none();
  const readMultipart: RequestHandler = (req, res, next) => {
    // multer caps each field, not the whole body: a declared length over the body limit is refused before reading,
    // as JSON and urlencoded bodies are (a chunked body stays bounded by MAX_FIELDS × the field cap).
    if (req.is('multipart/form-data') && Number(req.headers['content-length']) > maxBytes) {
      next(new AppError('PAYLOAD_TOO_LARGE', '请求体过大'));
      return;
    }
    multipart(req, res, (err?: unknown) => next(err === undefined ? undefined : multerError(err)));
  };
  const readIntegers: RequestHandler = (req, _res, next) => {
    const body: unknown = req.body;
    if (typeof body === 'object' && body !== null && req.is(['application/x-www-form-urlencoded', 'multipart/form-data'])) {
      const fields = body as Record<string, unknown>;
      for (const name of integers) if (name in fields) fields[name] = toStrictInt(fields[name]);
    }
    next();
  };
  return [urlencoded, readMultipart, readIntegers];
}
