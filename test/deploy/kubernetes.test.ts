import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { loadAll } from 'js-yaml';
import { buildProgram } from '../../src/cli/main';
import { loadConfig } from '../../src/config/load';
import { BRIDGE_SEARCH_ATTRIBUTES } from '../../src/infra/temporalServer';
import { isSecretName, redactText } from '../../src/secrets/redact';
import { durationMs, finalStage, loadCompose, readYaml, repoPath } from './support/deployFiles';
import { deploycheck, requiredVersion, useDeploycheck } from './support/deploycheck';

/**
 * The worker's longest stop after SIGTERM at the default 5 s interval: a session holder serves its last cycle first
 * (at most an interval and 1 s, handoverWaitMs), then the SDK drains for 10 s (createBridgeWorkers' shutdownGraceMs).
 */
const WORKER_SHUTDOWN_GRACE_MS = 6_000 + 10_000;
const MANIFESTS = 'deploy/kubernetes';
/** Settings whose value is a credential or identifies the customer: the Secret's, never a ConfigMap's. */
const CREDENTIALS = ['DATABASE_URL', 'IB_ACCOUNT', 'TEMPORAL_API_KEY', 'ALERT_WEBHOOK_URL'];

interface HttpProbe {
  httpGet: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  env?: Array<{ name: string; value?: string }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  ports?: Array<{ name?: string; containerPort: number }>;
  startupProbe?: HttpProbe;
  livenessProbe?: HttpProbe;
  readinessProbe?: HttpProbe;
  volumeMounts?: Array<{ name: string; mountPath: string }>;
  securityContext?: { allowPrivilegeEscalation?: boolean; runAsNonRoot?: boolean };
}
interface PodSpec {
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsUser?: number; runAsGroup?: number; fsGroup?: number; runAsNonRoot?: boolean };
  containers: Container[];
  volumes?: Array<{ name: string; emptyDir?: object }>;
}
interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: {
    replicas?: number;
    serviceName?: string;
    selector?: { matchLabels?: Record<string, string> } | Record<string, string>;
    clusterIP?: string;
    maxUnavailable?: number;
    persistentVolumeClaimRetentionPolicy?: { whenDeleted: string; whenScaled: string };
    volumeClaimTemplates?: Array<{ metadata: { name: string }; spec: { accessModes: string[] } }>;
    template?: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
}

const listed = readYaml<{ resources: string[] }>(`${MANIFESTS}/kustomization.yaml`).resources;
const objects: KubeObject[] = listed.flatMap(
  (file) => loadAll(readFileSync(repoPath(MANIFESTS, file), 'utf8')).filter(Boolean) as KubeObject[],
);
const find = (kind: string, name: string): KubeObject => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`${MANIFESTS} has no ${kind} ${name}`);
  return found;
};
const worker = find('StatefulSet', 'bridge-worker');
const workerPod = worker.spec?.template?.spec as PodSpec;
const workerContainer = workerPod.containers[0];
const config = find('ConfigMap', 'bridge-config').data ?? {};
const jobs = objects.filter((o) => o.kind === 'Job');
const job = (name: string): Container => find('Job', name).spec?.template?.spec.containers[0] as Container;
const secretExample = readYaml<KubeObject>(`${MANIFESTS}/secret.example.yaml`);

describe('deploycheck k8s: the manifests decoded strictly against the Kubernetes API types', () => {
  const check = useDeploycheck('bridge-k8s-');

  const copyManifests = (to: string) => {
    cpSync(repoPath(MANIFESTS), to, { recursive: true });
    return (file: string, from: string, replacement: string) => {
      const text = readFileSync(join(to, file), 'utf8');
      if (!text.includes(from)) throw new Error(`${file} has no ${JSON.stringify(from)}`);
      writeFileSync(join(to, file), text.replace(from, replacement));
    };
  };
  const problemsIn = (output: string) => output.split('\n').filter((line) => line.startsWith('problem:'));

  it('renders the kustomization and accepts every object, naming the releases it checked against and the Secrets it expects', async () => {
    const result = await deploycheck(check.binary(), ['k8s', MANIFESTS]);
    expect(result).toMatchObject({ code: 0 });
    expect(result.output).toContain(
      `Kubernetes API types: k8s.io/api ${requiredVersion('k8s.io/api')}; ` +
        `kustomize: sigs.k8s.io/kustomize/api ${requiredVersion('sigs.k8s.io/kustomize/api')}`,
    );
    const checked = result.output.split('\n').filter((line) => line.startsWith('object '));
    expect(checked).toHaveLength(objects.length);
    for (const object of objects) {
      expect(checked).toContainEqual(
        expect.stringContaining(` ${object.kind} ${object.metadata.name} (kustomize build`),
      );
    }
    expect(result.output).toContain('expects Secret bridge-credentials (created outside these manifests)');
    expect(problemsIn(result.output)).toEqual([]);
    expect(result.output.trim().endsWith('OK')).toBe(true);
  });

  it('accepts the Secret example, which the kustomization leaves out', async () => {
    expect(listed).not.toContain('secret.example.yaml');
    const result = await deploycheck(check.binary(), ['k8s', `${MANIFESTS}/secret.example.yaml`]);
    expect(result).toMatchObject({ code: 0 });
    expect(result.output).toContain('object v1 Secret bridge-credentials');
  });

  it('fails on an unknown field, a wrong type, and a probe and a Service on a port that does not exist', async () => {
    const edit = copyManifests(check.scratch());
    edit('statefulset.yaml', '  replicas: 2\n', '  replicas: 2\n  replica: 3\n');
    edit('statefulset.yaml', 'path: /readyz\n              port: http', 'path: /readyz\n              port: metrics');
    edit('job-migrate.yaml', 'backoffLimit: 6', 'backoffLimit: six');
    edit('service.yaml', 'targetPort: http', 'targetPort: metrics');

    const result = await deploycheck(check.binary(), ['k8s', check.scratch()]);
    expect(result.code).toBe(1);
    expect(problemsIn(result.output)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/apps\/v1 StatefulSet bridge-worker: .*unknown field "spec\.replica"/),
        expect.stringMatching(/batch\/v1 Job: .*backoffLimit of type int32/),
        expect.stringMatching(
          /StatefulSet bridge-worker: container worker: readinessProbe port metrics is not a named/,
        ),
        expect.stringMatching(/v1 Service bridge-worker: port http: targetPort metrics is not a named container port/),
      ]),
    );
    expect(result.output).toContain('FAIL: 4 problem(s)');
  });

  it('fails on a field given twice and on a kustomization field kustomize does not know', async () => {
    const duplicate = copyManifests(join(check.scratch(), 'duplicate'));
    duplicate('poddisruptionbudget.yaml', '  maxUnavailable: 1\n', '  maxUnavailable: 1\n  maxUnavailable: 2\n');
    const twice = await deploycheck(check.binary(), ['k8s', join(check.scratch(), 'duplicate')]);
    expect(twice.code).toBe(1);
    expect(problemsIn(twice.output)).toEqual([
      expect.stringMatching(/kustomize: PodDisruptionBudget.*mapping key "maxUnavailable" already defined/),
    ]);

    const unknown = copyManifests(join(check.scratch(), 'unknown'));
    unknown('kustomization.yaml', 'resources:', 'resource:\n  - configmap.yaml\nresources:');
    const misspelt = await deploycheck(check.binary(), ['k8s', join(check.scratch(), 'unknown')]);
    expect(misspelt.code).toBe(1);
    expect(misspelt.output).toMatch(/kustomize: invalid Kustomization: .*unknown field "resource"/);
  });

  it('fails on an unknown field in a Deployment spec, a duplicate field in a file, and a kind it was not told about', async () => {
    const file = join(check.scratch(), 'deployment.yaml');
    writeFileSync(
      file,
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: {name: bridge-worker}',
        'spec:',
        '  replicas: 1',
        '  minReadySecond: 5',
        '  selector: {matchLabels: {app: bridge}}',
        '  template:',
        '    metadata: {labels: {app: bridge}}',
        '    spec: {containers: [{name: worker, image: ibkr-greeks-bridge:local}]}',
        '---',
        'apiVersion: policy/v1',
        'kind: PodDisruptionBudget',
        'metadata: {name: bridge-worker}',
        'spec:',
        '  maxUnavailable: 1',
        '  maxUnavailable: 2',
        '  selector: {matchLabels: {app: bridge}}',
        '---',
        'apiVersion: networking.k8s.io/v1',
        'kind: Ingress',
        'metadata: {name: bridge}',
        '',
      ].join('\n'),
    );
    const result = await deploycheck(check.binary(), ['k8s', file]);
    expect(result.code).toBe(1);
    expect(problemsIn(result.output)).toEqual([
      expect.stringMatching(/apps\/v1 Deployment bridge-worker: .*unknown field "spec\.minReadySecond"/),
      expect.stringMatching(/policy\/v1 PodDisruptionBudget bridge-worker: .*"maxUnavailable" already set/),
      expect.stringMatching(/networking\.k8s\.io\/v1 Ingress: .*no kind "Ingress" is registered/),
    ]);
  });

  it('checks an overlay of the manifests the way kubectl apply -k builds it', async () => {
    copyManifests(join(check.scratch(), 'base'));
    mkdirSync(join(check.scratch(), 'prod'));
    writeFileSync(
      join(check.scratch(), 'prod', 'kustomization.yaml'),
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'namespace: bridge',
        'resources: [../base]',
        "images: [{name: ibkr-greeks-bridge, newName: registry.example.com/ibkr-greeks-bridge, newTag: '1.0'}]",
        'patches:',
        '  - patch: |-',
        '      apiVersion: apps/v1',
        '      kind: StatefulSet',
        '      metadata: {name: bridge-worker}',
        '      spec: {replica: 3}',
        '',
      ].join('\n'),
    );
    // The patch misspells replicas: the overlay's output is what is checked, so the mistake is found.
    const result = await deploycheck(check.binary(), ['k8s', join(check.scratch(), 'prod')]);
    expect(result.code).toBe(1);
    expect(problemsIn(result.output)).toEqual([
      expect.stringMatching(/apps\/v1 StatefulSet bridge-worker: .*unknown field "spec\.replica"/),
    ]);
  });
});

describe('the Kubernetes manifests, for the operator', () => {
  it('list every manifest in the directory except the Secret example', () => {
    const names = new Set(objects.map((o) => `${o.kind}/${o.metadata.name}`));
    expect([...names].sort()).toEqual(
      [
        'ConfigMap/bridge-config',
        'ConfigMap/bridge-temporal-setup',
        'Job/bridge-migrate',
        'Job/bridge-search-attributes',
        'Job/bridge-start',
        'PodDisruptionBudget/bridge-worker',
        'Service/bridge-worker',
        'StatefulSet/bridge-worker',
      ].sort(),
    );
  });

  it('probe readiness on /readyz and liveness on /healthz at HTTP_PORT, with the server listening on every address', () => {
    const port = workerContainer.ports?.find((p) => p.name === 'http');
    expect(port?.containerPort).toBe(Number(config.HTTP_PORT));
    expect(config.HTTP_HOST).toBe('0.0.0.0');
    expect(workerContainer.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(workerContainer.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(workerContainer.startupProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });

    const service = find('Service', 'bridge-worker');
    expect(service.spec?.clusterIP).toBe('None');
    expect(worker.spec?.serviceName).toBe('bridge-worker');
    expect(service.spec?.selector).toEqual(worker.spec?.template?.metadata.labels);
  });

  it('give a stopping worker at least its drain time before SIGKILL, the same as compose', () => {
    const graceSeconds = workerPod.terminationGracePeriodSeconds ?? 30;
    expect(graceSeconds * 1000).toBeGreaterThan(WORKER_SHUTDOWN_GRACE_MS);
    expect(graceSeconds * 1000).toBe(durationMs(loadCompose().services.worker.stop_grace_period ?? ''));
  });

  it('keep each replica its own fallback buffer on its own claim, kept when the replica goes', () => {
    const claims = worker.spec?.volumeClaimTemplates ?? [];
    expect(claims).toHaveLength(1);
    expect(claims[0].spec.accessModes).toEqual(['ReadWriteOnce']);
    expect(worker.spec?.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });

    const mount = workerContainer.volumeMounts?.find((m) => m.name === claims[0].metadata.name);
    expect(mount).toBeDefined();
    // The buffer lies inside the claim, and the claim covers the image's VOLUME, which would otherwise be mounted over it.
    const fallbackDir = config.FALLBACK_DIR;
    expect(posix.relative(mount?.mountPath ?? '', fallbackDir)).not.toMatch(/^\.\.|^$/);
    const imageVolume = finalStage().find((i) => i.keyword === 'VOLUME')?.args ?? '';
    expect(JSON.parse(imageVolume)).toEqual([mount?.mountPath]);
    // No other volume of the pod is where the buffer is.
    const otherMounts = (workerContainer.volumeMounts ?? []).filter((m) => m !== mount);
    expect(otherMounts.some((m) => !posix.relative(m.mountPath, fallbackDir).startsWith('..'))).toBe(false);
  });

  it('run every pod as the image user, never as root', () => {
    const user = finalStage().filter((i) => i.keyword === 'USER');
    expect(user.map((i) => i.args)).toEqual(['node']);
    const pods = [workerPod, ...jobs.map((j) => j.spec?.template?.spec as PodSpec)];
    for (const pod of pods) {
      // uid and gid 1000: the `node` user and group of the official Node.js images.
      expect(pod.securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true });
      for (const container of pod.containers) expect(container.securityContext?.allowPrivilegeEscalation).toBe(false);
    }
    expect(workerPod.securityContext?.fsGroup).toBe(1000);
  });

  it('keep credentials out of every ConfigMap', () => {
    for (const configMap of objects.filter((o) => o.kind === 'ConfigMap')) {
      for (const [key, value] of Object.entries(configMap.data ?? {})) {
        expect({ key, secretName: isSecretName(key) || CREDENTIALS.includes(key) }).toEqual({ key, secretName: false });
        expect(redactText(value)).toBe(value);
      }
    }
    // The Secret example holds placeholders only, and only settings the bridge reads.
    const example = secretExample.stringData ?? {};
    expect(Object.keys(example).sort()).toEqual(['DATABASE_URL', 'IB_ACCOUNT']);
    for (const value of Object.values(example)) expect(value).toMatch(/REPLACE_WITH_/);
  });

  it("give the worker a configuration the bridge's own loader accepts, credentials from the Secret", () => {
    const fromSecret = { DATABASE_URL: 'postgres://bridge:pw@postgresql:5432/bridge', IB_ACCOUNT: 'U1234567' };
    const loaded = loadConfig({ ...config, ...fromSecret });
    expect(loaded).toMatchObject({ HTTP_HOST: '0.0.0.0', HTTP_PORT: 9464, FALLBACK_DIR: config.FALLBACK_DIR });
    for (const container of [workerContainer, job('bridge-migrate'), job('bridge-start')]) {
      expect(container.envFrom).toEqual([
        { configMapRef: { name: 'bridge-config' } },
        { secretRef: { name: 'bridge-credentials' } },
      ]);
      expect(container.image).toBe(loadCompose().services.worker.image);
    }
  });

  it('migrate with the CLI command that exists, and start the workflow as compose does', () => {
    const commands = buildProgram().commands.map((c) => c.name());
    expect(commands).toEqual(expect.arrayContaining(['migrate', 'start']));
    expect(job('bridge-migrate').command).toEqual(['node', 'bin/bridge.js', 'migrate']);
    expect(job('bridge-start').command).toEqual(loadCompose().services['bridge-start'].command);
  });

  it('register the search attributes the workflow upserts with the same script and image as compose', () => {
    const setup = job('bridge-search-attributes');
    const composeSetup = loadCompose().services['temporal-setup'];
    expect(setup.image).toBe(composeSetup.image);
    const attributes = setup.env?.find((e) => e.name === 'BRIDGE_SEARCH_ATTRIBUTES')?.value ?? '';
    const registered = Object.fromEntries(attributes.split(' ').map((pair) => pair.split('=')));
    expect(registered).toEqual(BRIDGE_SEARCH_ATTRIBUTES);
    expect(setup.command).toEqual(['/bin/sh', '/deploy/setup-namespace.sh']);
    // Kustomize reads no file outside its directory, so the ConfigMap carries a copy of the script: the same bytes.
    const script = find('ConfigMap', 'bridge-temporal-setup').data?.['setup-namespace.sh'];
    expect(script).toBe(readFileSync(repoPath('deploy/temporal/setup-namespace.sh'), 'utf8'));
  });
});
