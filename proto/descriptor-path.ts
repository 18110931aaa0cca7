/**
 * The names an exec through an open descriptor goes by (fexecve, a memfd
 * run through /proc/self/fd/N): the sensor flags such execs and the rules
 * judge names, so both read them the same way.
 */
const DESCRIPTOR_PATH = /^(?:\/dev\/fd|\/proc\/(?:self|thread-self|\d+)(?:\/task\/\d+)?\/fd)\/\d+$/;

export function isDescriptorPath(file: string): boolean {
  return DESCRIPTOR_PATH.test(file);
}
