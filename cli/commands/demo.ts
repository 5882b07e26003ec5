export async function demoCommand(_options: {
  scale: string | undefined;
  verbose: boolean | undefined;
}): Promise<number> {
  throw new Error('demo: not yet');
}
