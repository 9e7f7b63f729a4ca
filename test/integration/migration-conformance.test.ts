/**
 * @module test/integration/migration-conformance — the migration modes' scenarios
 * (test/conformance/migration-suite) over the library router and the gateway, on the two real
 * Ceph RGW servers, the stores a scenario breaks behind a fault proxy.
 */
import { migrationSuite } from "../conformance/migration-suite.js";
import { migrationTargets } from "../conformance/migration-targets.js";

for (const target of migrationTargets()) migrationSuite(target);
