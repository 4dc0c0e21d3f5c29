import { EnvReader } from './env-parsers';

/** Statistics and leaderboards (src/analytics). */
export interface AnalyticsSettings {
  /** When (UTC) the `analytics` job runs: round statistics any settlement missed, then every leaderboard rebuilt from PostgreSQL. */
  rebuildCron: string;
}

export function readAnalyticsSettings(read: EnvReader): AnalyticsSettings {
  const settings: AnalyticsSettings = { rebuildCron: read.string('ANALYTICS_REBUILD_CRON', '7 * * * *') };
  if (!/^(\S+\s+){4,5}\S+$/.test(settings.rebuildCron)) {
    read.problems.push(`ANALYTICS_REBUILD_CRON must be a cron expression of 5 or 6 fields (got "${settings.rebuildCron}")`);
  }
  return settings;
}
