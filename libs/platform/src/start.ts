import { AppConfig, ConfigValidationError, loadConfig } from '@latchkey/core';

/**
 * Settings for a process about to start: a bad or missing setting ends it with the validation
 * message (every bad setting named), not a stack trace.
 */
export function loadConfigOrExit(what: string): AppConfig {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigValidationError) {
      console.error(`${what} cannot start.\n${err.message}`);
      process.exit(1);
    }
    throw err;
  }
}
