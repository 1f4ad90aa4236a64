/**
 * API tokens with roles. A token reads `medic_<id>_<secret>`: `id` finds the row, and only HMAC-SHA256(salt,
 * secret) is stored, with a random salt per token; the comparison is constant-time. The clear token exists once,
 * in the answer to create(). A token may expire (`expires_at`, migration 010): it is then refused with the reason,
 * and still counts as configured, so expiry never opens the API to everyone. Written against Kysely directly (table from migration 003_auth), so any store that
 * exposes its Kysely handle (SQLite and PostgreSQL alike) keeps tokens.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Kysely } from 'kysely';
import { MedicError } from '../core/index.js';
import { isSqlite, type Store, type StoreSchema } from '../store/index.js';

export const ROLES = ['viewer', 'ingest', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * What each role may do. viewer < operator < admin, each with everything below it; `ingest` stands aside: a
 * log shipper or Alertmanager may push and nothing else (it reads nothing, approves nothing).
 */
const GRANTS: Record<Role, readonly Role[]> = {
  viewer: ['viewer'],
  ingest: ['ingest'],
  operator: ['viewer', 'ingest', 'operator'],
  admin: ROLES,
};

export function roleAllows(have: Role, need: Role): boolean {
  return GRANTS[have]?.includes(need) ?? false;
}

export interface TokenInfo {
  id: string;
  name: string;
  role: Role;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
  /** Refused from this time on; null: never expires. */
  expiresAt: number | null;
}

/** Why a token was refused, for the 401's message (never the token itself). */
export type Authenticated = { info: TokenInfo; reason?: undefined } | { info: null; reason: string };

type AuthSchema = Pick<StoreSchema, 'api_tokens'>;
type ApiTokensTable = StoreSchema['api_tokens'];

const TOKEN_RE = /^medic_([a-f0-9]{12})_([A-Za-z0-9_-]{43})$/;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;

function hashSecret(salt: string, secret: string): Buffer {
  return createHmac('sha256', Buffer.from(salt, 'base64url')).update(secret).digest();
}

function toInfo(r: Omit<ApiTokensTable, 'salt' | 'hash'>): TokenInfo {
  return {
    id: r.id,
    name: r.name,
    role: r.role as Role,
    createdAt: Number(r.created_at),
    lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
    expiresAt: r.expires_at === null || r.expires_at === undefined ? null : Number(r.expires_at),
  };
}

/** Options of a new token. */
export interface NewTokenOptions {
  /** Epoch ms from which the token is refused; absent or null: never. */
  expiresAt?: number | null;
}

export class TokenStore {
  /** Verified tokens are remembered briefly so a busy dashboard does not hash on every request. */
  private readonly cache = new Map<string, { info: TokenInfo; until: number }>();
  private anyCache: { value: boolean; until: number } | null = null;

  constructor(
    private readonly db: Kysely<AuthSchema>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Creates a token; the clear token is in the answer and nowhere else. */
  async create(
    name: string,
    role: Role,
    o: NewTokenOptions = {},
  ): Promise<{ token: string; info: TokenInfo }> {
    return this.db.transaction().execute((trx) => this.createIn(trx, name, role, o));
  }

  /**
   * Creates a token inside the caller's transaction (its audit entry commits with it). The row is written
   * first and a live namesake checked after: a transaction that writes first waits for SQLite's write lock
   * instead of failing on it, and a clash rolls the whole transaction back.
   */
  async createIn(
    trx: Kysely<AuthSchema>,
    name: string,
    role: Role,
    o: NewTokenOptions = {},
  ): Promise<{ token: string; info: TokenInfo }> {
    if (!NAME_RE.test(name)) throw new MedicError('bad_request', 'token name: letters, digits, _ . @ - only');
    if (!ROLES.includes(role)) throw new MedicError('bad_request', `role must be one of ${ROLES.join(', ')}`);
    const now = this.now();
    const expiresAt = o.expiresAt ?? null;
    if (expiresAt !== null && !(Number.isFinite(expiresAt) && expiresAt > now))
      throw new MedicError('bad_request', 'a token must expire in the future');
    const id = randomBytes(6).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const salt = randomBytes(16).toString('base64url');
    const row: ApiTokensTable = {
      id,
      name,
      role,
      salt,
      hash: hashSecret(salt, secret).toString('hex'),
      created_at: now,
      last_used_at: null,
      revoked_at: null,
      expires_at: expiresAt,
    };
    await trx.insertInto('api_tokens').values(row).execute();
    const clash = await trx
      .selectFrom('api_tokens')
      .select('id')
      .where('name', '=', name)
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .where('id', '!=', id)
      .executeTakeFirst();
    if (clash) throw new MedicError('conflict', `a token named ${name} exists: revoke it first`);
    this.anyCache = null;
    return { token: `medic_${id}_${secret}`, info: toInfo(row) };
  }

  /** The token's identity, or null for anything that is not a live token. Constant-time on the secret. */
  async verify(token: string): Promise<TokenInfo | null> {
    return (await this.authenticate(token)).info;
  }

  /**
   * The token's identity, or why it is refused: an expired token is named as such (its owner needs a new one),
   * anything else is "unknown or revoked" alike.
   */
  async authenticate(token: string): Promise<Authenticated> {
    const unknown = { info: null, reason: 'unknown or revoked token' } as const;
    const m = TOKEN_RE.exec(token);
    if (!m) return unknown;
    const [, id, secret] = m as unknown as [string, string, string];
    const now = this.now();
    const cached = this.cache.get(token);
    if (cached && cached.until > now) return live(cached.info, now);
    const row = await this.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (!row) return unknown;
    const want = Buffer.from(row.hash, 'hex');
    const got = hashSecret(row.salt, secret);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return unknown;
    const info = toInfo(row);
    // Only the holder of the secret learns that it expired.
    if (info.expiresAt !== null && info.expiresAt <= now) return live(info, now);
    if (this.cache.size > 1000) this.cache.clear();
    this.cache.set(token, { info, until: this.now() + 5_000 });
    void this.db
      .updateTable('api_tokens')
      .set({ last_used_at: this.now() })
      .where('id', '=', id)
      .execute()
      .catch(() => undefined);
    return { info };
  }

  async list(): Promise<TokenInfo[]> {
    const rows = await this.db
      .selectFrom('api_tokens')
      .select(['id', 'name', 'role', 'created_at', 'last_used_at', 'revoked_at', 'expires_at'])
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map(toInfo);
  }

  /**
   * Revokes by id or by name; true when a live token was revoked. With `keepAnAdmin` (the API listens beyond
   * loopback) the last live admin token is refused: nobody could manage tokens any more.
   */
  async revoke(idOrName: string, o: { keepAnAdmin?: boolean } = {}): Promise<boolean> {
    // Check and revoke in one transaction, or two revocations at once each see the other admin and both go.
    const revoked = await this.db.transaction().execute((trx) => this.revokeIn(trx, idOrName, o));
    this.cache.clear();
    this.anyCache = null;
    return revoked;
  }

  /**
   * Revokes inside the caller's transaction (its audit entry commits with it). Without `keepAnAdmin` the
   * first statement is the update: on SQLite it waits for the write lock a running daemon may hold.
   */
  async revokeIn(
    trx: Kysely<AuthSchema>,
    idOrName: string,
    o: { keepAnAdmin?: boolean } = {},
  ): Promise<boolean> {
    if (o.keepAnAdmin) await refuseLastAdmin(trx, idOrName, this.now());
    const r = await trx
      .updateTable('api_tokens')
      .set({ revoked_at: this.now() })
      .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    this.cache.clear();
    this.anyCache = null;
    return Number(r.numUpdatedRows) > 0;
  }

  /**
   * Whether any unrevoked token exists: with none, the API runs without auth on loopback only. Expired tokens
   * count: a token running out must lock the API, never open it.
   */
  async any(): Promise<boolean> {
    if (this.anyCache && this.anyCache.until > this.now()) return this.anyCache.value;
    const row = await this.db
      .selectFrom('api_tokens')
      .select('id')
      .where('revoked_at', 'is', null)
      .limit(1)
      .executeTakeFirst();
    this.anyCache = { value: Boolean(row), until: this.now() + 2_000 };
    return this.anyCache.value;
  }
}

/**
 * Throws 409 when `idOrName` is the last live admin token. On PostgreSQL the admin rows are locked (FOR
 * UPDATE): a concurrent revocation waits, then re-reads them without the one just revoked. SQLite needs no
 * lock: Kysely runs one transaction at a time on its single connection, and another process's write between
 * our read and our update fails the update (busy) rather than slipping past.
 */
async function refuseLastAdmin(trx: Kysely<AuthSchema>, idOrName: string, now: number): Promise<void> {
  let q = trx
    .selectFrom('api_tokens')
    .select(['id', 'name', 'expires_at'])
    .where('role', '=', 'admin')
    .where('revoked_at', 'is', null);
  if (!isSqlite(trx as Kysely<unknown>)) q = q.forUpdate();
  const admins = await q.execute();
  // An expired admin token manages nothing: it does not count as the one left.
  const usable = admins.filter((a) => a.expires_at === null || Number(a.expires_at) > now);
  const left = usable.filter((a) => a.id !== idOrName && a.name !== idOrName);
  if (usable.length > 0 && left.length === 0)
    throw new MedicError(
      'conflict',
      `${idOrName} is the last admin token and the API listens beyond loopback: create another admin token first`,
    );
}

/** The cached identity, unless it expired meanwhile. */
function live(info: TokenInfo, now: number): Authenticated {
  if (info.expiresAt !== null && info.expiresAt <= now)
    return { info: null, reason: `token ${info.name} expired at ${new Date(info.expiresAt).toISOString()}` };
  return { info };
}

/** The token store of a Medic store (a KyselyStore of either dialect). */
export function tokenStoreOf(store: Store): TokenStore {
  const db = (store as { db?: unknown }).db;
  if (!(db instanceof Kysely)) throw new MedicError('unsupported', 'this store keeps no API tokens');
  return new TokenStore(db as Kysely<AuthSchema>);
}
