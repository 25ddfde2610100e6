/** The trainable Llama-style decoder: layers with explicit forward/backward, kernels, AdamW. */
package io.flotilla.train.model;
