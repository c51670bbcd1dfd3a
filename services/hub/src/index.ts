export { createHubDeps, type HubDeps, ADAPTER_KINDS } from './context.js';
export { buildApp } from './gateway/app.js';
export { startRoles, parseRoles, ROLES, type Role, type RunningHub } from './roles.js';
export { processSubmission } from './processor/process-submission.js';
export { deliverRoute } from './dispatcher/deliver-route.js';
export { reconcileOnce } from './reconciler.js';
export { demoConfig, writeDemoJson } from './demo.js';
export { createLogger } from './logger.js';
export { HUB_PRODUCT } from './version.js';
