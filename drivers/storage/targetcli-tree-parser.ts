import type { ArrayState, ProvisionedLun } from './array-dialect';
import { LUN_NUMBER, lunIdOfTarget } from './lun-target';

interface TreeNode {
  readonly path: string;
  readonly info: string;
  readonly children: TreeNode[];
}

const LINE = /^([ |]*)o- (\S+)\s*\.*\s*(?:\[(.*)\])?\s*$/;

/**
 * `targetcli ls /` draws a tree (`o- name ..... [info]`, two columns per level); this rebuilds it
 * by path.
 */
function parseTargetcliTree(output: string): Map<string, TreeNode> {
  const nodes = new Map<string, TreeNode>();
  const stack: TreeNode[] = [];
  for (const raw of output.split('\n')) {
    const m = LINE.exec(raw.replace(/\r$/, ''));
    if (m === null) continue;
    const depth = (m[1] ?? '').length / 2;
    const name = m[2] ?? '';
    stack.length = Math.min(stack.length, depth);
    const parent = stack[depth - 1];
    const path = parent === undefined ? '/' : `${parent.path === '/' ? '' : parent.path}/${name}`;
    const node: TreeNode = { path, info: m[3] ?? '', children: [] };
    parent?.children.push(node);
    nodes.set(path, node);
    stack[depth] = node;
  }
  return nodes;
}

function names(node: TreeNode | undefined): string[] {
  return (node?.children ?? []).map((c) => c.path.slice(c.path.lastIndexOf('/') + 1));
}

/**
 * LIO state in the one-target-per-LUN layout: backstores, and per target its LUN 1 backing and
 * ACLs.
 */
export function parseTargetcliState(output: string, arrayTargetIqn: string): ArrayState {
  const tree = parseTargetcliTree(output);
  const backstores = new Map<string, 'fileio' | 'block'>();
  for (const kind of ['fileio', 'block'] as const)
    for (const name of names(tree.get(`/backstores/${kind}`))) backstores.set(name, kind);
  const luns = new Map<string, ProvisionedLun>();
  for (const targetIqn of names(tree.get('/iscsi'))) {
    const lunId = lunIdOfTarget(arrayTargetIqn, targetIqn);
    if (lunId === undefined) continue;
    const tpg = `/iscsi/${targetIqn}/tpg1`;
    const everyone = /(?:^|[ ,])gen-acls/.test(tree.get(tpg)?.info ?? '');
    const aclNodes = tree.get(`${tpg}/acls`)?.children ?? [];
    const acls = names(tree.get(`${tpg}/acls`));
    const holders = aclNodes
      .filter((a) => a.children.some((c) => /\/mapped_lun\d+$/.test(c.path)))
      .map((a) => a.path.slice(a.path.lastIndexOf('/') + 1));
    const backing = /\((\/[^)\s]+)\)/.exec(
      tree.get(`${tpg}/luns/lun${LUN_NUMBER}`)?.info ?? '',
    )?.[1];
    luns.set(lunId, {
      lunId,
      targetIqn,
      ...(backing !== undefined && { backing }),
      holders: [...(everyone ? ['ALL'] : []), ...holders].sort(),
      acls: acls.sort(),
    });
  }
  return { luns, backstores };
}
