export { exportCodebook, exportProject } from "./export-refi.js";
export { importCodebookFile, importProjectFile, type RefiImportReport } from "./import-refi.js";
export { guidFor } from "./guids.js";
export { chooseReading, positionTables, toStoredOffset, type PositionReading } from "./positions.js";
