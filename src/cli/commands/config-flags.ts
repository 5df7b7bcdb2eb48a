/** Configuration for the commands that talk to or run the engine: a bad environment is a CLI error. */
import { type AppConfig, ConfigError, loadConfig } from '../../config.js';
import { CliError, ExitCode } from '../errors.js';

export function configOrCliError(env: NodeJS.ProcessEnv, overrides: Parameters<typeof loadConfig>[1]): AppConfig {
  try {
    return loadConfig(env, overrides);
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(e.message, ExitCode.DataError);
    throw e;
  }
}
