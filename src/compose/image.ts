// The node image a generated docker-compose.yml names by default (its own module: `lab compose --help` shows it without loading the renderer).
export const COMPOSE_IMAGE = 'oneip-lab/node:latest';
