/** TEST DOUBLE of the Pulumi tls provider 5.6.1, not the real provider: the plugin's entry point (prints only its port). */
import { main } from "@pulumi/pulumi/provider";
import { tlsProvider } from "./provider";

void main(tlsProvider, process.argv.slice(2));
