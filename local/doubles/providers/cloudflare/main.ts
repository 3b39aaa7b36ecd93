/** TEST DOUBLE of the Pulumi cloudflare provider 6.22.1, not the real provider: the plugin's entry point (prints only its port). */
import { main } from "@pulumi/pulumi/provider";
import { cloudflareProvider } from "./provider";

void main(cloudflareProvider, process.argv.slice(2));
