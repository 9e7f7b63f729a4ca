/**
 * @module gateway/protocol — the S3 wire protocol as the gateway speaks it: which bucket, key
 * and operation a request names, and the XML bodies it reads, rewrites and writes.
 */
export {
  parseQuery,
  queryGet,
  queryHas,
  queryNames,
  formatQuery,
  encodeRfc3986,
  type Query,
  type QueryParam,
} from "./query-params.js";
export {
  parseTarget,
  splitRequestUrl,
  encodeKeyPath,
  encodeBucketPath,
  objectPath,
  type RequestTarget,
} from "./request-target.js";
export { classifyOperation, isProtocolParameter, type S3Operation, type HeaderBag } from "./operation.js";
export { parseXml, XmlSyntaxError, type XmlElement } from "./xml-scan.js";
export { rewriteListingXml, rewriteObjectResultXml, rewriteDeleteResultXml, type NameScope } from "./xml-rewrite.js";
export {
  parseDeleteRequest,
  readDeleteRequest,
  DELETE_REQUEST_LIMIT,
  DELETE_BODY_LIMIT,
  type DeleteRequest,
  type DeleteRequestObject,
} from "./delete-request.js";
export {
  listObjectsV2Xml,
  listObjectsV1Xml,
  listObjectVersionsXml,
  listMultipartUploadsXml,
  listBucketsXml,
  deleteResultXml,
  copyObjectResultXml,
  copyPartResultXml,
  deleteRequestXml,
  S3_XMLNS,
  type DeleteRequestIdentifier,
} from "./xml-serialize.js";
