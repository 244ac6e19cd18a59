// The cart needs prices, and prices need the cart: a cycle.
import { price } from "./prices.js";

export const total = (items) => items.reduce((sum, item) => sum + price(item), 0);
