import { total } from "./cart.js";

export const price = (item) => item.price;
export const average = (items) => total(items) / items.length;
