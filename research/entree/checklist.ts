import type { EthicsPlan } from "./model.js";

export type ChecklistItem = { field: keyof EthicsPlan | "disclosure"; label: string; done: boolean };

/** What the ethics plan still lacks, in the order a researcher would answer the AoIR questions. */
export function checkEthicsPlan(plan: EthicsPlan | null, disclosurePosted: boolean): ChecklistItem[] {
  const p = plan;
  const filled = (value: string | undefined) => Boolean(value && value.trim());
  return [
    { field: "space", label: "Say whether the space is public or private, and why", done: filled(p?.space) && filled(p?.spaceReason) },
    { field: "privacyExpectation", label: "Judge whether members expect privacy", done: filled(p?.privacyExpectation) },
    { field: "consentApproach", label: "Choose a consent approach", done: filled(p?.consentApproach) },
    { field: "vulnerablePeople", label: "Consider whether minors or vulnerable people may be present", done: filled(p?.vulnerablePeople) },
    { field: "disclosure", label: "Decide how the researcher discloses their presence", done: filled(p?.disclosure) || disclosurePosted },
    { field: "communityRules", label: "Read the community's rules and the platform's terms of service", done: filled(p?.communityRules) && filled(p?.termsOfService) },
    { field: "boardReference", label: "Record the ethics board approval (or why none is needed)", done: filled(p?.boardReference) },
    { field: "retention", label: "Set data retention and a deletion date", done: filled(p?.retention) && filled(p?.deletionDate) },
    { field: "keepsHandleKey", label: "Decide pseudonymisation, and whether a key to real handles is kept", done: filled(p?.keepsHandleKey) },
    { field: "legalBasis", label: "Name special categories of data and the legal basis", done: filled(p?.legalBasis) },
    { field: "storageLocation", label: "Say where data is stored and who sees raw data", done: filled(p?.storageLocation) && filled(p?.rawDataAccess) },
    { field: "researcherRisks", label: "Assess risks to the researchers themselves", done: filled(p?.researcherRisks) },
    { field: "memberCheckVeto", label: "Say what members may veto at member check", done: filled(p?.memberCheckVeto) },
    { field: "cloakingLevel", label: "Choose the cloaking level for reporting", done: filled(p?.cloakingLevel) },
  ];
}
