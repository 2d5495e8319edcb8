// The desk pages' routes. main.js places every area's routes before the generic ones
// (so "/x/report" is matched before "/x/:id"). Each entry: { path, page, title, wide? };
// `wide: true` lets a desk or admin page use a 1280×800 screen (the shell is phone-wide otherwise).
export default [];
