/** TEST DOUBLE of the Pulumi random provider 4.21.2, not the real provider: the plugin's entry point (prints only its port). */
import { main } from "@pulumi/pulumi/provider";
import { randomProvider } from "./provider";

void main(randomProvider, process.argv.slice(2));
