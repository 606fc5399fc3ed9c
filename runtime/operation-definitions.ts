import { backupRun } from '../core/operations/backup-run.ts';
import { bucketLifecycle } from '../core/operations/bucket-lifecycle.ts';
import { imageLifecycle } from '../core/operations/image-lifecycle.ts';
import { linkLifecycle } from '../core/operations/link-lifecycle.ts';
import { networkLifecycle } from '../core/operations/network-lifecycle.ts';
import { snapshotLifecycle } from '../core/operations/snapshot-lifecycle.ts';
import type { OperationDefinition } from '../core/operations/step.ts';
import { vmAction } from '../core/operations/vm-action.ts';
import { vmCreate } from '../core/operations/vm-create.ts';
import { vmDelete } from '../core/operations/vm-delete.ts';
import { volumeCreate } from '../core/operations/volume-create.ts';
import { volumeExtend } from '../core/operations/volume-extend.ts';
import { volumeLifecycle } from '../core/operations/volume-lifecycle.ts';
import { volumeRetype } from '../core/operations/volume-retype.ts';

/** Every kind of operation the worker runs. */
export const OPERATION_DEFINITIONS: readonly OperationDefinition[] = [
  vmCreate,
  vmAction,
  vmDelete,
  volumeCreate,
  volumeLifecycle,
  snapshotLifecycle,
  bucketLifecycle,
  networkLifecycle,
  linkLifecycle,
  imageLifecycle,
  volumeExtend,
  volumeRetype,
  backupRun,
];
