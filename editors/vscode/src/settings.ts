// The settings the server reads: sent as `initializationOptions` and returned for the
// `workspace/configuration` section "ssot-ls". Pure, so the shape is unit-tested.
import * as path from 'node:path';
import { expandPathVariables, PathVariables } from './serverCommand';

export const SECTION = 'ssot-ls';

export const LOG_LEVELS = ['error', 'warning', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** What the server receives; keys match the server's initializationOptions. */
export interface ServerSettings {
  enable: boolean;
  /** Absolute path of a config file that overrides discovery, or null. */
  configuration: string | null;
  markdown: { enable: boolean };
  /** Whether fix-all (on save, workspace) applies unsafe fixes too. */
  unsafeFixes: boolean;
  logLevel: LogLevel;
}

/** Reads one key of the "ssot-ls" section (e.g. "markdown.enable"), like WorkspaceConfiguration.get. */
export type SettingReader = (key: string) => unknown;

function readBoolean(read: SettingReader, key: string, fallback: boolean): boolean {
  const value = read(key);
  return typeof value === 'boolean' ? value : fallback;
}

function readLogLevel(read: SettingReader): LogLevel {
  const value = read('logLevel');
  return LOG_LEVELS.find((level) => level === value) ?? 'info';
}

/** The config file setting made absolute: relative paths are relative to the workspace folder. */
export function resolveConfigurationPath(value: unknown, variables: PathVariables): string | null {
  if (typeof value !== 'string' || value.trim() === '') {
    return null;
  }
  const expanded = expandPathVariables(value.trim(), variables);
  if (path.isAbsolute(expanded) || variables.workspaceFolder === undefined) {
    return expanded;
  }
  return path.join(variables.workspaceFolder, expanded);
}

export function serverSettings(read: SettingReader, variables: PathVariables): ServerSettings {
  return {
    enable: readBoolean(read, 'enable', true),
    configuration: resolveConfigurationPath(read('configuration'), variables),
    markdown: { enable: readBoolean(read, 'markdown.enable', true) },
    unsafeFixes: readBoolean(read, 'unsafeFixes', false),
    logLevel: readLogLevel(read),
  };
}

/** Setting keys whose change needs a new server process (the others reach it live). */
export const RESTART_KEYS = ['path', 'interpreter', 'enable'] as const;
