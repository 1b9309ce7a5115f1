/**
 * The one place `@peculiar/x509` is loaded. Its dependency injection (tsyringe) needs the Reflect metadata
 * polyfill loaded first, and it signs through WebCrypto, which on Node is `node:crypto`'s own implementation.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };
