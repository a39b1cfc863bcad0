/** What every benchmark module exports; `args` are the command-line flags after its name. */
export type Benchmark = { main(args: string[]): Promise<void> };
