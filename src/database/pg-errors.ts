/** PostgreSQL SQLSTATE codes the services turn into domain errors. */
export const PgError = {
  UniqueViolation: '23505',
  ForeignKeyViolation: '23503',
} as const;

export function isPgError(error: unknown, code: (typeof PgError)[keyof typeof PgError]): boolean {
  return (error as { code?: unknown } | null)?.code === code;
}
