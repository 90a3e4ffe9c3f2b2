import { z } from "zod";
import type { StoredFileKind } from "../store/index.js";

export const EmailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ message: "Enter a valid email address." }));
export const PasswordSchema = z
  .string()
  .min(10, "Use at least 10 characters for the password.")
  .max(200, "Use at most 200 characters for the password.");
export const DisplayNameSchema = z.string().trim().min(1, "Enter a name.").max(80, "Use at most 80 characters.");

export const UserSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  passwordHash: z.string(),
  isAdmin: z.boolean(),
  createdAt: z.string(),
  disabledAt: z.string().nullable().default(null),
});
export type User = z.infer<typeof UserSchema>;
/** What the rest of the app may see of a user: never the password hash. */
export type PublicUser = Omit<User, "passwordHash">;

export const InviteSchema = z.object({
  tokenHash: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  usedBy: z.string().nullable().default(null),
  makesAdmin: z.boolean().default(false),
});
export type Invite = z.infer<typeof InviteSchema>;

export const AccountsFileSchema = z.object({
  users: z.array(UserSchema),
  invites: z.array(InviteSchema),
});
export type AccountsFile = z.infer<typeof AccountsFileSchema>;

export const accountsFile: StoredFileKind<AccountsFile> = {
  description: "accounts",
  schema: AccountsFileSchema,
  version: 1,
  empty: () => ({ users: [], invites: [] }),
};
export const ACCOUNTS_KEY = "accounts.json";

export function toPublicUser(user: User): PublicUser {
  const { passwordHash: _hidden, ...rest } = user;
  return rest;
}
