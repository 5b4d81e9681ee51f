import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { loadConfig } from '../shared/config/load.ts';
import { readStackSettings } from './settings.ts';
import { WirewatchStack } from './stack.ts';

/** Repository root (this file is `<root>/infra/app.ts`). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Builds the wirewatch CDK app: reads context (`readStackSettings`), loads the wirewatch.yaml it names, adds the
 * stack (env-agnostic; the account/region come from the CLI profile at deploy time) and the cdk-nag AwsSolutions
 * and Serverless packs (unless context `nag` is `false`).
 *
 * @param app an App (tests pass one with `outdir` and context); @default a new App reading cdk.json/-c context
 * @param options.functionsDir handler entries directory; @default `<root>/functions`
 * @throws ConfigError when wirewatch.yaml is invalid; InfraError for bad context or missing handler entries
 */
export async function buildApp(
  app: App = new App(),
  options: { functionsDir?: string } = {},
): Promise<{ app: App; stack: WirewatchStack }> {
  const get = (key: string): unknown => app.node.tryGetContext(key);
  const configPath = resolve(PROJECT_ROOT, String(get('config') ?? 'wirewatch.yaml'));
  const config = await loadConfig(configPath);
  const settings = readStackSettings(get, config.schedule);
  const stackName = String(get('stackName') ?? 'Wirewatch');
  const stack = new WirewatchStack(app, stackName, {
    config,
    settings: { ...settings, configPath },
    projectRoot: PROJECT_ROOT,
    functionsDir: options.functionsDir,
    description: 'wirewatch: news monitoring pipeline (feeds → articles → topics → alerts)',
  });
  if (get('nag') !== false && get('nag') !== 'false') {
    Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
    Aspects.of(app).add(new ServerlessChecks({ verbose: true }));
  }
  return { app, stack };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { app } = await buildApp();
  app.synth();
}
