/** Flotilla: pool machines of different sizes into one cluster that runs and trains language models. */
package io.flotilla;
