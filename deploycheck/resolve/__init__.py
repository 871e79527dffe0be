"""Running resolvers: the only layer that starts processes. The sandbox identity, the temporary copy,
interpreters, the pinned toolchain, the tool drivers and the recompile strategy."""
