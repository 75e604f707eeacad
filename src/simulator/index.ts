/** Public API of the built-in Talkstack simulator (the entry point `main.ts` is not part of it). */
export {
  startSimulator,
  type RequestLogEntry,
  type Simulator,
  type SimulatorOptions,
  type SimulatorStats,
} from './simulator.js';
export { DEMO_ACCOUNT, type AccountOptions } from './accounts.js';
export { ADMIN_PATH, type MisbehaviourState } from './admin.js';
export { type OutageMode } from './outage.js';
export { MAX_BUCKETS, type RateLimit, type RateLimitOptions } from './rateLimit.js';
export {
  ANY_SID,
  type DelayFault,
  type Fault,
  type FaultHandle,
  type FaultMatch,
  type HangFault,
  type RawFault,
  type ResetFault,
  type StatusFault,
  type StreamFault,
  type WireFault,
} from './faults.js';
export { ROLLING_RETENTION_MS, type RollingLiveCall, type RollingSchedule } from './rollingLiveCalls.js';
export { DEFAULT_LIFECYCLE_STEP_MS, LIFECYCLE_STATUSES, lifecycleStage, type LifecycleStatus } from './lifecycle.js';
export {
  DEMO_API_KEY,
  DEMO_BEARER_TOKEN,
  DEMO_ERRORS_API_KEY,
  DEMO_CALLS,
  DEMO_LIVE_CALLS,
  DEMO_LIVE_SIDS,
  DEMO_PROJECT_ID,
  DEMO_SAMPLE_SIDS,
  type DemoCall,
  type DemoLiveCall,
  type DemoSample,
} from './demoData.js';
export { DEMO_ERROR_SIDS, DEMO_SLOW_DELAY_MS, DEMO_SLOW_SID, type DemoErrorSid } from './demoErrorStates.js';
