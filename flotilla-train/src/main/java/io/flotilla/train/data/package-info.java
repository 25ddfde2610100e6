/** Tokenizers (byte, char, BPE trainer), the train/validation split, sharded loading. */
package io.flotilla.train.data;
