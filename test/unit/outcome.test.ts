/**
 * @module test/unit/outcome — one classification of backend answers for both faces: the gateway's
 * reading of a raw answer (status + body) and the library's reading of the SDK error for the same
 * answer must give the same {@link Outcome}, so that the migration modes (written once against
 * the backend port) decide alike in both: a read falls back in both, or in neither.
 */
import { describe, expect, it } from "vitest";
import { errorCodeOf, outcomeOf } from "../../src/gateway/exchange-port.js";
import { isMiss, outcomeOfError } from "../../src/migration/s3-outcomes.js";
import { classifyOutcome, type Outcome } from "../../src/operations/outcome.js";

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

describe("the gateway and the library classify the same answer alike", () => {
  /** The SDK's error for an answer: its name is the code as errorCodeOf reads it. */
  const sdkError = (status: number, body: string) => ({
    name: errorCodeOf(status, body) ?? "UnknownError",
    $metadata: { httpStatusCode: status },
  });

  const answers: ReadonlyArray<readonly [string, number, string, Outcome]> = [
    ["GET of a missing key", 404, errorBody("NoSuchKey"), "miss"],
    ["GET of a missing version", 404, errorBody("NoSuchVersion"), "miss"],
    ["HEAD of a missing key (no body)", 404, "", "miss"],
    ["GET in a missing bucket", 404, errorBody("NoSuchBucket"), "not-found"],
    ["a missing multipart upload", 404, errorBody("NoSuchUpload"), "not-found"],
    ["access denied", 403, errorBody("AccessDenied"), "failure"],
    ["HEAD refused (no body)", 403, "", "failure"],
    ["a condition that did not hold", 412, errorBody("PreconditionFailed"), "precondition-failed"],
    ["a failing backend", 503, errorBody("ServiceUnavailable"), "unavailable"],
    ["a failing backend without a body", 500, "", "unavailable"],
    ["a NoSuchKey with another status", 400, errorBody("NoSuchKey"), "failure"],
    ["a completion that failed after its 200", 200, errorBody("InternalError"), "failure"],
  ];

  it.each(answers)("%s (%i): %s", (_what, status, body, outcome) => {
    expect(outcomeOf(status, body)).toBe(outcome);
    expect(outcomeOfError(sdkError(status, body))).toBe(outcome);
    expect(isMiss(sdkError(status, body))).toBe(outcome === "miss");
  });

  it("a success is a success to the gateway (the SDK throws nothing for it)", () => {
    expect(outcomeOf(200, "")).toBe("success");
    expect(outcomeOf(200, '<CompleteMultipartUploadResult><ETag>"x"</ETag></CompleteMultipartUploadResult>')).toBe(
      "success",
    );
  });

  it("an error with no HTTP answer at all (connection refused, reset) is the store being unavailable", () => {
    expect(outcomeOfError(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }))).toBe(
      "unavailable",
    );
    expect(classifyOutcome(undefined, undefined)).toBe("unavailable");
  });
});
