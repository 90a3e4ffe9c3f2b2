import { ResearchError } from "../shared/errors.js";
import { newId, newToken, nowIso } from "../shared/ids.js";
import type { DocumentStore } from "../store/index.js";
import {
  ACCOUNTS_KEY,
  DisplayNameSchema,
  EmailSchema,
  PasswordSchema,
  accountsFile,
  toPublicUser,
  type PublicUser,
  type User,
} from "./model.js";
import { hashPassword, hashToken, verifyPassword } from "./passwords.js";
import { endUserSessions } from "./sessions.js";

type WithStore = { store: DocumentStore };
type NewAccount = { email: string; name: string; password: string };

function validateAccount(input: NewAccount): NewAccount {
  const email = EmailSchema.safeParse(input.email);
  if (!email.success)
    throw new ResearchError("invalid-input", email.error.issues[0].message, { field: "email" });
  const name = DisplayNameSchema.safeParse(input.name);
  if (!name.success)
    throw new ResearchError("invalid-input", name.error.issues[0].message, { field: "name" });
  const password = PasswordSchema.safeParse(input.password);
  if (!password.success)
    throw new ResearchError("invalid-input", password.error.issues[0].message, {
      field: "password",
    });
  return { email: email.data, name: name.data, password: password.data };
}

/** True until the first account exists: the first visitor then creates the admin. */
export async function needsFirstAccount({ store }: WithStore): Promise<boolean> {
  const accounts = await store.read(accountsFile, ACCOUNTS_KEY);
  return accounts.users.length === 0;
}

/** Creates the first account, an admin. Refused once any account exists (checked inside the write). */
export async function createFirstAdmin({
  store,
  ...input
}: WithStore & NewAccount): Promise<PublicUser> {
  const account = validateAccount(input);
  const passwordHash = await hashPassword(account.password);
  return store.update(accountsFile, ACCOUNTS_KEY, (accounts) => {
    if (accounts.users.length > 0) {
      throw new ResearchError(
        "forbidden",
        "The first account already exists; ask an admin for an invitation.",
      );
    }
    const user: User = {
      id: newId(),
      email: account.email,
      name: account.name,
      passwordHash,
      isAdmin: true,
      createdAt: nowIso(),
      disabledAt: null,
    };
    accounts.users.push(user);
    return toPublicUser(user);
  });
}

/** Creates an account, as an admin does for a colleague, or as open registration allows. */
export async function createAccount({
  store,
  isAdmin = false,
  ...input
}: WithStore & NewAccount & { isAdmin?: boolean }): Promise<PublicUser> {
  const account = validateAccount(input);
  const passwordHash = await hashPassword(account.password);
  return store.update(accountsFile, ACCOUNTS_KEY, (accounts) => {
    if (accounts.users.some((user) => user.email === account.email)) {
      throw new ResearchError("conflict", `An account with ${account.email} already exists.`, {
        field: "email",
      });
    }
    const user: User = {
      id: newId(),
      email: account.email,
      name: account.name,
      passwordHash,
      isAdmin,
      createdAt: nowIso(),
      disabledAt: null,
    };
    accounts.users.push(user);
    return toPublicUser(user);
  });
}

/** Makes an invitation link token valid for `days` days; only its hash is stored. */
export async function createInvite({
  store,
  adminId,
  days = 7,
}: WithStore & { adminId: string; days?: number }): Promise<{ token: string; expiresAt: string }> {
  const token = newToken();
  const expiresAt = new Date(Date.now() + days * 86_400_000).toISOString();
  await store.update(accountsFile, ACCOUNTS_KEY, (accounts) => {
    const admin = accounts.users.find((user) => user.id === adminId);
    if (!admin?.isAdmin) throw new ResearchError("forbidden", "Only an admin can invite people.");
    accounts.invites.push({
      tokenHash: hashToken(token),
      createdBy: adminId,
      createdAt: nowIso(),
      expiresAt,
      usedBy: null,
      makesAdmin: false,
    });
  });
  return { token, expiresAt };
}

/** Whether an invitation token can still be used. */
export async function isInviteUsable({
  store,
  token,
}: WithStore & { token: string }): Promise<boolean> {
  const accounts = await store.read(accountsFile, ACCOUNTS_KEY);
  const tokenHash = hashToken(token);
  return accounts.invites.some(
    (invite) => invite.tokenHash === tokenHash && !invite.usedBy && invite.expiresAt > nowIso(),
  );
}

/** Creates an account from an invitation; the invitation is used up in the same write. */
export async function acceptInvite({
  store,
  token,
  ...input
}: WithStore & NewAccount & { token: string }): Promise<PublicUser> {
  const account = validateAccount(input);
  const passwordHash = await hashPassword(account.password);
  const tokenHash = hashToken(token);
  return store.update(accountsFile, ACCOUNTS_KEY, (accounts) => {
    const invite = accounts.invites.find((candidate) => candidate.tokenHash === tokenHash);
    if (!invite || invite.usedBy || invite.expiresAt <= nowIso()) {
      throw new ResearchError(
        "forbidden",
        "This invitation link is not valid any more; ask the admin for a new one.",
      );
    }
    if (accounts.users.some((user) => user.email === account.email)) {
      throw new ResearchError("conflict", `An account with ${account.email} already exists.`, {
        field: "email",
      });
    }
    const user: User = {
      id: newId(),
      email: account.email,
      name: account.name,
      passwordHash,
      isAdmin: invite.makesAdmin,
      createdAt: nowIso(),
      disabledAt: null,
    };
    accounts.users.push(user);
    invite.usedBy = user.id;
    return toPublicUser(user);
  });
}

/** Returns the user when email and password match an active account, otherwise null. */
export async function verifyLogin({
  store,
  email,
  password,
}: WithStore & { email: string; password: string }): Promise<PublicUser | null> {
  const accounts = await store.read(accountsFile, ACCOUNTS_KEY);
  const normalized = email.trim().toLowerCase();
  const user = accounts.users.find((candidate) => candidate.email === normalized);
  if (!user || user.disabledAt) {
    // Spend the same time as a real check so response times do not reveal which emails exist.
    await verifyPassword(password, DUMMY_HASH);
    return null;
  }
  return (await verifyPassword(password, user.passwordHash)) ? toPublicUser(user) : null;
}
const DUMMY_HASH =
  "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + Buffer.alloc(64).toString("base64");

export async function getUserById({
  store,
  userId,
}: WithStore & { userId: string }): Promise<PublicUser | null> {
  const accounts = await store.read(accountsFile, ACCOUNTS_KEY);
  const user = accounts.users.find((candidate) => candidate.id === userId && !candidate.disabledAt);
  return user ? toPublicUser(user) : null;
}

export async function findUserByEmail({
  store,
  email,
}: WithStore & { email: string }): Promise<PublicUser | null> {
  const accounts = await store.read(accountsFile, ACCOUNTS_KEY);
  const normalized = email.trim().toLowerCase();
  const user = accounts.users.find((candidate) => candidate.email === normalized);
  return user ? toPublicUser(user) : null;
}

export async function listUsers({ store }: WithStore): Promise<PublicUser[]> {
  const accounts = await store.read(accountsFile, ACCOUNTS_KEY);
  return accounts.users.map(toPublicUser);
}

/** The first admin, used as the owner of projects created from the CLI. */
export async function findFirstAdmin({ store }: WithStore): Promise<PublicUser | null> {
  const accounts = await store.read(accountsFile, ACCOUNTS_KEY);
  const admin = accounts.users.find((user) => user.isAdmin && !user.disabledAt);
  return admin ? toPublicUser(admin) : null;
}

/**
 * Changes one's own password after checking the current one. Every other session of the account ends
 * (a stolen cookie stops working with the old password); the one making the change, when given, stays.
 * Returns how many sessions were ended.
 */
export async function changePassword({
  store,
  userId,
  currentPassword,
  newPassword,
  keepSessionToken,
}: WithStore & {
  userId: string;
  currentPassword: string;
  newPassword: string;
  keepSessionToken?: string;
}): Promise<number> {
  const password = PasswordSchema.safeParse(newPassword);
  if (!password.success)
    throw new ResearchError("invalid-input", password.error.issues[0].message, {
      field: "newPassword",
    });
  const accounts = await store.read(accountsFile, ACCOUNTS_KEY);
  const user = accounts.users.find((candidate) => candidate.id === userId && !candidate.disabledAt);
  if (!user) throw new ResearchError("not-found", "No such account.");
  if (!(await verifyPassword(currentPassword, user.passwordHash)))
    throw new ResearchError("invalid-input", "That is not your current password.", {
      field: "currentPassword",
    });
  if (currentPassword === password.data)
    throw new ResearchError("invalid-input", "Choose a password other than the current one.", {
      field: "newPassword",
    });
  const passwordHash = await hashPassword(password.data);
  await store.update(accountsFile, ACCOUNTS_KEY, (latest) => {
    const stored = latest.users.find((candidate) => candidate.id === userId);
    // Changed meanwhile (another browser, an admin): this check was against the old hash.
    if (!stored || stored.passwordHash !== user.passwordHash)
      throw new ResearchError("conflict", "Your password was changed meanwhile; sign in again.");
    stored.passwordHash = passwordHash;
  });
  return endUserSessions({ store, userId, exceptToken: keepSessionToken });
}
