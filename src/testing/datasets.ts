import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The shared datasets folder beside the repository (`../shared/datasets`), or WALKOUT_DATASETS. */
export const DATASETS_DIR =
  process.env.WALKOUT_DATASETS ?? fileURLToPath(new URL('../../../shared/datasets', import.meta.url));

/**
 * Whether a dataset folder is there. In CI (CI=true) a missing dataset is an error rather than a
 * silent skip, because CI always has `../shared` beside the clone.
 */
export function haveDataset(relative: string): boolean {
  const there = existsSync(`${DATASETS_DIR}/${relative}`);
  if (!there && process.env.CI === 'true') {
    throw new Error(
      `dataset ${DATASETS_DIR}/${relative} is missing; CI needs ../shared/datasets beside the clone`,
    );
  }
  return there;
}
