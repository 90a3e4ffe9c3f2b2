import { z } from "zod";
import { resolveDataDir } from "#research/store/index";

const EnvSchema = z.object({
  NETNO_DATA_DIR: z.string().optional(),
  NETNO_SESSION_SECRET: z.string().min(32, "NETNO_SESSION_SECRET must be at least 32 characters.").optional(),
  NETNO_OPEN_REGISTRATION: z.enum(["true", "false", ""]).optional(),
  NETNO_DATABASE_URL: z
    .string()
    .regex(/^(postgres|postgresql):\/\//, "NETNO_DATABASE_URL must start with postgres://.")
    .or(z.literal(""))
    .optional(),
  NETNO_TRUST_PROXY: z.enum(["true", "false", ""]).optional(),
});

/** The environment, checked once at start so a typo fails loudly instead of weakening security. */
export const env = (() => {
  const parsed = EnvSchema.safeParse(process.env);
  if (!parsed.success) {
    throw new Error(`Invalid configuration: ${parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}`);
  }
  return {
    dataDir: resolveDataDir(process.env),
    openRegistration: parsed.data.NETNO_OPEN_REGISTRATION === "true",
    /** Behind a reverse proxy that sets X-Forwarded-Host/-For: only then are those headers believed. */
    trustProxy: parsed.data.NETNO_TRUST_PROXY === "true",
  };
})();
