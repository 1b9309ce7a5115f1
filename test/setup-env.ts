// Test defaults: a region for SDK clients, quiet Powertools, no real credentials anywhere.
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_SERVICE_NAME ??= 'platform-ops-test';
process.env.POWERTOOLS_METRICS_NAMESPACE ??= 'PlatformOpsTest';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING ??= '1';
