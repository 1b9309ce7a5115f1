/** Port: writes report files to the report bucket (default bucket encryption applies). */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

export async function putReportObject(
  s3: S3Client,
  bucket: string,
  key: string,
  body: string,
  contentType: 'text/csv; charset=utf-8' | 'application/json',
): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
}
