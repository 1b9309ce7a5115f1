/** Port: writes report files to the report bucket (default bucket encryption applies) and lists a day's folder. */
import { PassThrough } from 'node:stream';
import { paginateListObjectsV2, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

export async function putReportObject(
  s3: S3Client,
  bucket: string,
  key: string,
  body: string,
  contentType: 'text/csv; charset=utf-8' | 'application/json',
): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
}

/** Every key under `prefix` (all pages). Throws when the listing fails: the caller treats that as doubt. */
export async function listReportKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
    for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
  }
  return keys;
}

/** A report object written as a stream: multipart (5 MiB parts, one in flight) past the first part, else one PUT. */
export interface ReportStream {
  /** Resolves when the text is taken (waits while the upload is behind: memory stays at about one part). */
  write(text: string): Promise<void>;
  /** Ends the object and waits for the upload to complete. */
  end(): Promise<void>;
  /** Gives up: no object is left behind (a multipart upload is aborted). */
  abort(): void;
}

export const REPORT_PART_BYTES = 5 * 1024 * 1024;

export function openReportStream(
  s3: S3Client,
  bucket: string,
  key: string,
  contentType: 'text/csv; charset=utf-8' | 'application/json',
): ReportStream {
  const body = new PassThrough({ highWaterMark: 1024 * 1024 });
  const upload = new Upload({
    client: s3,
    params: { Bucket: bucket, Key: key, Body: body, ContentType: contentType },
    partSize: REPORT_PART_BYTES,
    queueSize: 1,
    leavePartsOnError: false,
  });
  const done = upload.done();
  let failure: unknown;
  done.catch((err: unknown) => {
    failure = err;
    body.destroy();
  });
  return {
    write: async (text) => {
      if (failure) throw failure;
      if (!body.write(text))
        await new Promise<void>((resolve, reject) => {
          body.once('drain', resolve);
          done.catch(reject);
        });
    },
    end: async () => {
      body.end();
      await done;
    },
    abort: () => {
      void upload.abort().catch(() => undefined);
      body.destroy();
    },
  };
}
