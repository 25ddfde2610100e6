/** Pieces of distributed training; so far gradient compressors with error feedback. */
package io.flotilla.train.dist;
