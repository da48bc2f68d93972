/** The `stylecast` executable. */
import { main } from './main.js';

// Exit explicitly: a stuck child or worker must never leave the process hanging after an answer.
process.exit(await main(process.argv));
