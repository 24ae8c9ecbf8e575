"""Running experiments: the resumable store of units (`store`), where units run
(`executors`), one reproduction end to end (`sweep`) and the HTML report (`report`)."""
