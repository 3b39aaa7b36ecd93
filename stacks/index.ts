// Pulumi entry point (Pulumi.yaml `main`): every export below is a stack output.
import { defineStack } from "./program";

export = defineStack();
