/** Port: writes report files to the report bucket (default bucket encryption applies) and lists a day's folder. */
import { paginateListObjectsV2, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

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
