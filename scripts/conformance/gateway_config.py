#!/usr/bin/env python3
"""@module scripts/conformance/gateway_config.py — writes the s3-router gateway configuration the
conformance lane serves s3-tests through.

usage: gateway_config.py MODE CONF_TEMPLATE BACKEND_URL LISTEN OUT_YAML

MODE is one of:
  plain   one profile routing every bucket unchanged (the gateway is a pure pass-through)
  prefix  one profile {source_bucket_pattern: "*", mapped_prefix: "p/"}: every key is stored
          under p/ on the backend, and every answer must map it back
  split   keys o* of every bucket go to a second route stored under the prefix "o-split/" of the
          same bucket; every other key stays unchanged, so a listing without a prefix (or with
          one that both routes can hold) merges two routes

The gateway's users are the suite's own four key pairs ([s3 main], [s3 alt], [s3 tenant],
[iam]) read from CONF_TEMPLATE, the single source of those keys, so the suite runs unmodified.
Identity (env CONFORMANCE_IDENTITY):
  per-user (default)  each gateway user reaches RGW as its own RGW user (users[].backendCredentials,
                      the same key pair), and unsigned requests are forwarded unsigned
                      (gateway.anonymous): RGW's own ACLs, policies and owners decide, as directly
  shared              every user is re-signed with the client's one credential (the main user's,
                      who creates almost every bucket the suite checks) and unsigned requests are
                      refused: the gateway's default deployment, whose differences are inherent

The output is JSON, which is valid YAML: no YAML emitter is needed and nothing is quoted by hand.
"""
import configparser
import json
import os
import sys

MODES = ("plain", "prefix", "split")


def profiles_for(mode):
    if mode == "plain":
        return {"all": {"source_bucket_pattern": "*", "client": "default"}}
    if mode == "prefix":
        return {"all": {"source_bucket_pattern": "*", "mapped_prefix": "p/", "client": "default"}}
    # First match wins: the key-pattern route must come before the catch-all bucket route.
    return {
        "o-keys": {"source_bucket_pattern": "*", "source_key_pattern": "o*",
                   "mapped_prefix": "o-split/", "client": "default"},
        "all": {"source_bucket_pattern": "*", "client": "default"},
    }


def main(argv):
    if len(argv) != 6 or argv[1] not in MODES:
        sys.exit(__doc__)
    mode, template, backend, listen, out = argv[1:]
    cfg = configparser.RawConfigParser()
    cfg.read(template)
    users = [{"accessKeyId": cfg[s]["access_key"], "secretAccessKey": cfg[s]["secret_key"]}
             for s in ("s3 main", "s3 alt", "s3 tenant", "iam")]
    main_user = dict(users[0])
    identity = os.environ.get("CONFORMANCE_IDENTITY", "per-user")
    if identity not in ("per-user", "shared"):
        sys.exit("CONFORMANCE_IDENTITY must be per-user or shared")
    if identity == "per-user":
        for u in users:
            u["backendCredentials"] = {"default": {"accessKeyId": u["accessKeyId"], "secretAccessKey": u["secretAccessKey"]}}
    config = {
        # Fixed, local: listings are only continued by this one gateway process.
        "listingTokenSecret": "conformance-lane-listing-token-secret",
        "clients": {
            "default": {
                "endpoint": backend,
                "region": "us-east-1",
                "forcePathStyle": True,
                "credentials": main_user,
                # Ceph 16 predates the SDK's default trailer checksums (411 MissingContentLength
                # on stream bodies); checksums the client itself sends still pass through.
                "requestChecksumCalculation": "WHEN_REQUIRED",
                "responseChecksumValidation": "WHEN_REQUIRED",
            }
        },
        "profiles": profiles_for(mode),
        "gateway": {
            "listen": listen,
            "users": users,
            # A few suite tests hold a request open for long (e.g. large multipart bodies on a
            # loaded 2-core machine); keep the backend timeout generous so it is never the cause.
            "backendTimeoutMs": 120000,
            "shutdownGraceMs": 2000,
            "logLevel": "info",
        },
    }
    if identity == "per-user":
        config["gateway"]["anonymous"] = {}
    with open(out, "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv)
