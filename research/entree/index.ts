export * from "./model.js";
export * from "./ethics-plan.js";
export * from "./consent.js";
export { checkEthicsPlan, type ChecklistItem } from "./checklist.js";
export { getConsentStatuses, getOptedOutMemberIds, erasedMemberHash } from "./consent-status.js";
export type { AuditEventInput } from "./audit.js";
