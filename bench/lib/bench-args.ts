/** The value after `--name` on the command line of a bench, or undefined. */
export function argValue(name: string, args: readonly string[] = process.argv.slice(2)): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}
