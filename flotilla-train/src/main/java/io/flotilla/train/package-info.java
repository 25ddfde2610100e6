/** Single-worker training: configuration, the training loop, checkpoints and GGUF export. */
package io.flotilla.train;
