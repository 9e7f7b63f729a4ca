/**
 * @module test/unit/gateway-migration-store-miss — the gateway's reading of a backend answer as
 * "this store has no such object" must agree with the library's `isMiss` on the SDK's error for
 * the same answer: a read falls back in both, or in neither.
 */
import { describe, expect, it } from "vitest";
import { isMiss } from "../../src/migration/s3-outcomes.js";
import { errorCodeOf, isStoreMiss } from "../../src/gateway/store-miss.js";

const errorBody = (code: string, extra = "") =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message></Message>${extra}<RequestId>tx1</RequestId></Error>`;

describe("errorCodeOf", () => {
  it("reads the code of an Error body, whatever its status", () => {
    expect(errorCodeOf(404, errorBody("NoSuchKey", "<Key>a/b</Key>"))).toBe("NoSuchKey");
    expect(errorCodeOf(403, errorBody("AccessDenied"))).toBe("AccessDenied");
    expect(errorCodeOf(200, errorBody("InternalError"))).toBe("InternalError");
  });

  it("names a 404 without a code NotFound, as the SDK does (HEAD answers have no body)", () => {
    expect(errorCodeOf(404, "")).toBe("NotFound");
    expect(errorCodeOf(404, "<html><body>not here</body></html>")).toBe("NotFound");
    expect(errorCodeOf(404, "<Error><Code></Code></Error>")).toBe("NotFound");
    expect(errorCodeOf(500, "")).toBeUndefined();
  });

  it("finds no code in a body that is not an S3 error", () => {
    expect(errorCodeOf(200, "")).toBeUndefined();
    expect(
      errorCodeOf(200, '<CompleteMultipartUploadResult><ETag>"x"</ETag></CompleteMultipartUploadResult>'),
    ).toBeUndefined();
    expect(errorCodeOf(200, "<<< not xml")).toBeUndefined();
  });
});

describe("isStoreMiss", () => {
  /** The SDK's error for the same answer: its name is the code as errorCodeOf reads it. */
  const sdkError = (status: number, body: string) => ({
    name: errorCodeOf(status, body) ?? "UnknownError",
    $metadata: { httpStatusCode: status },
  });

  const answers: ReadonlyArray<readonly [string, number, string, boolean]> = [
    ["GET of a missing key", 404, errorBody("NoSuchKey"), true],
    ["GET of a missing version", 404, errorBody("NoSuchVersion"), true],
    ["HEAD of a missing key (no body)", 404, "", true],
    ["GET in a missing bucket", 404, errorBody("NoSuchBucket"), false],
    ["a missing multipart upload", 404, errorBody("NoSuchUpload"), false],
    ["access denied", 403, errorBody("AccessDenied"), false],
    ["HEAD refused (no body)", 403, "", false],
    ["a failing backend", 503, errorBody("ServiceUnavailable"), false],
    ["a NoSuchKey with another status", 400, errorBody("NoSuchKey"), false],
    ["a hit", 200, "", false],
  ];

  it.each(answers)("%s: miss %s", (_what, status, body, miss) => {
    expect(isStoreMiss(status, body)).toBe(miss);
    // Same verdict as the library's on the SDK error of that answer.
    expect(isMiss(sdkError(status, body))).toBe(miss);
  });
});
