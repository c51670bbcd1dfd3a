/** Parsed command line handed to every command: positionals after the command words, and the flags. */
export interface CommandArgs {
  readonly positionals: readonly string[];
  readonly flags: Readonly<Record<string, string | boolean | undefined>>;
}

export type Command = (args: CommandArgs) => Promise<number>;
