/**
 * @module test/conformance/object-io — the few object reads and writes every scenario group
 * repeats, through the target under test.
 */
import { GetObjectCommand, PutObjectCommand, type PutObjectCommandOutput } from "@aws-sdk/client-s3";
import { readBody } from "../support/backends.js";
import type { ConformanceTarget } from "./target.js";

/** Puts a small text object through the target. */
export const putText = (
  target: ConformanceTarget,
  Bucket: string,
  Key: string,
  Body: string,
): Promise<PutObjectCommandOutput> => target.s3.send(new PutObjectCommand({ Bucket, Key, Body }));

/** Reads a whole object through the target, as UTF-8. */
export const getText = async (target: ConformanceTarget, Bucket: string, Key: string): Promise<string> =>
  readBody(await target.s3.send(new GetObjectCommand({ Bucket, Key })), "utf8");
