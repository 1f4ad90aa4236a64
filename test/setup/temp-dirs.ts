/** Every test file: the temporary directories its tests made are removed after its last test. */
import { afterAll } from 'vitest';
import { removeTempDirs } from '../../src/core/temp-dir.fixture.js';

afterAll(removeTempDirs, 60_000);
