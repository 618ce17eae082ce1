export default function datacollect() { return {}; }
